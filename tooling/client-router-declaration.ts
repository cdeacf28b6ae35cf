/**
 * The router's type as a client sees it, written out as a self-contained declaration for the
 * client's published `.d.ts` (packages/client/tsdown.config.ts).
 *
 * The server's `AppRouter` names its context (the database, Redis, the mailer...) and its
 * procedures' meta (OpenAPI options, access rules): a declaration bundler would follow those names
 * into every package of the server. A client needs only each procedure's kind, input and output,
 * and the error shape, so those are read from the router with the type checker and printed as
 * plain types, the server's named types spelled out. What cannot be printed so (functions,
 * classes, recursive types) fails the build rather than reaching a client half-typed.
 */
import { dirname } from "node:path";
import ts from "typescript";

const PROCEDURE_KINDS: Record<string, string> = {
  query: "TRPCQueryProcedure",
  mutation: "TRPCMutationProcedure",
  subscription: "TRPCSubscriptionProcedure",
};
const TRPC_TYPES = ["TRPCBuiltRouter", "inferRouterInputs", "inferRouterOutputs", ...Object.values(PROCEDURE_KINDS)];
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const COMPOUND = ts.TypeFlags.Union | ts.TypeFlags.Intersection;
const UNRESOLVED =
  ts.TypeFlags.TypeParameter | ts.TypeFlags.Index | ts.TypeFlags.IndexedAccess | ts.TypeFlags.Conditional;

/**
 * A module that declares `AppRouter`, `RouterInputs` and `RouterOutputs` as `apiEntry` (the api
 * package's index.ts) exports them, importing nothing but tRPC's types.
 */
export function clientRouterDeclaration(apiEntry: string): string {
  const program = programOf(apiEntry);
  const checker = program.getTypeChecker();
  const printer = new TypePrinter(checker, program);

  const entry = program.getSourceFile(apiEntry);
  const moduleSymbol = entry && checker.getSymbolAtLocation(entry);
  const exported = moduleSymbol && checker.getExportsOfModule(moduleSymbol).find(({ name }) => name === "AppRouter");
  if (!exported) throw new Error(`${apiEntry} exports no AppRouter`);
  const router = checker.getDeclaredTypeOfSymbol(checker.getAliasedSymbol(exported));

  const definition = printer.member(router, "_def");
  const rootTypes = printer.member(printer.member(definition, "_config"), "$types");
  const root = block([
    "ctx: object;",
    "meta: object;",
    "errorShape: ErrorShape;",
    `transformer: ${printer.print(printer.member(rootTypes, "transformer"))};`,
  ]);

  return [
    `import type { ${TRPC_TYPES.sort().join(", ")} } from "@trpc/server";`,
    "",
    "/** How the server describes an error: `TRPCClientError#shape`, whose `data` is `#data`. */",
    `type ErrorShape = ${printer.print(printer.member(rootTypes, "errorShape"))};`,
    "",
    "/** Every procedure of the API with its input and output: what the typed client is made from. */",
    `export type AppRouter = TRPCBuiltRouter<${root}, ${printer.record(printer.member(definition, "record"))}>;`,
    "",
    "export type RouterInputs = inferRouterInputs<AppRouter>;",
    "export type RouterOutputs = inferRouterOutputs<AppRouter>;",
    "",
  ].join("\n");
}

function programOf(entry: string): ts.Program {
  const configFile = ts.findConfigFile(dirname(entry), ts.sys.fileExists);
  if (!configFile) throw new Error(`no tsconfig.json above ${entry}`);
  const { config } = ts.readConfigFile(configFile, ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, dirname(configFile));
  return ts.createProgram({ rootNames: [entry], options: { ...options, noEmit: true } });
}

class TypePrinter {
  /** The object types being printed: one met again inside itself is recursive. */
  private readonly enclosing = new Set<ts.Type>();

  constructor(
    private readonly checker: ts.TypeChecker,
    private readonly program: ts.Program,
  ) {}

  member(type: ts.Type, name: string): ts.Type {
    const symbol = type.getProperty(name);
    if (!symbol) throw new Error(`${this.checker.typeToString(type)} has no member ${name}`);
    return this.checker.getTypeOfSymbol(symbol);
  }

  /** A router's record: procedures as tRPC's procedure types, nested routers as objects of them. */
  record(type: ts.Type): string {
    return block(
      type.getProperties().map((symbol) => {
        const member = this.checker.getTypeOfSymbol(symbol);
        const value = member.getProperty("_def") ? this.procedure(member) : this.record(member);
        return this.documented(symbol, `${propertyName(symbol.name)}: ${value};`);
      }),
    );
  }

  private procedure(type: ts.Type): string {
    const definition = this.member(type, "_def");
    const kind = this.member(definition, "type");
    const procedureType = kind.isStringLiteral() ? PROCEDURE_KINDS[kind.value] : undefined;
    if (!procedureType) throw new Error(`unknown kind of procedure: ${this.checker.typeToString(kind)}`);
    const types = this.member(definition, "$types");
    const def = block([
      `input: ${this.print(this.member(types, "input"))};`,
      `output: ${this.print(this.member(types, "output"))};`,
      "meta: object;",
      "errorShape: ErrorShape;",
    ]);
    return `${procedureType}<${def}>`;
  }

  /** A type in plain TypeScript: the language's own types by name, every other spelled out. */
  print(type: ts.Type): string {
    if (type.isUnion()) return this.union(type);
    if (type.isIntersection()) return type.types.map((member) => this.operand(member)).join(" & ");
    if (type.flags & UNRESOLVED) throw new Error(`cannot print the open type ${this.checker.typeToString(type)}`);
    // Primitives and literals read the same everywhere.
    if (!(type.flags & ts.TypeFlags.Object)) return this.checker.typeToString(type);
    if (this.enclosing.has(type)) throw new Error(`cannot print the recursive type ${this.checker.typeToString(type)}`);
    this.enclosing.add(type);
    try {
      return this.object(type as ts.ObjectType);
    } finally {
      this.enclosing.delete(type);
    }
  }

  /** In the order people write them: `boolean` for true and false, null and undefined last. */
  private union(type: ts.UnionType): string {
    const booleans = type.types.filter((member) => member.flags & ts.TypeFlags.BooleanLiteral);
    const nullish = type.types.filter((member) => member.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined));
    const others = type.types.filter((member) => !booleans.includes(member) && !nullish.includes(member));
    return [
      ...others.map((member) => this.operand(member)),
      ...(booleans.length === 2 ? ["boolean"] : booleans.map((member) => this.print(member))),
      ...nullish.map((member) => this.print(member)),
    ].join(" | ");
  }

  private operand(type: ts.Type): string {
    return type.flags & COMPOUND ? `(${this.print(type)})` : this.print(type);
  }

  private object(type: ts.ObjectType): string {
    const typeArguments = () => this.checker.getTypeArguments(type as ts.TypeReference);
    if (this.checker.isArrayType(type)) {
      const readonly = type.getSymbol()?.name === "ReadonlyArray" ? "readonly " : "";
      return `${readonly}${this.operand(typeArguments()[0]!)}[]`;
    }
    if (this.checker.isTupleType(type)) {
      const tuple = (type as ts.TypeReference).target as ts.TupleType;
      if (tuple.elementFlags.some((flag) => flag !== ts.ElementFlags.Required)) {
        throw new Error(`cannot print the tuple ${this.checker.typeToString(type)}`);
      }
      return `${tuple.readonly ? "readonly " : ""}[${typeArguments()
        .map((element) => this.print(element))
        .join(", ")}]`;
    }
    if (this.isLanguageType(type)) {
      // A mapped type of the language (Record, Partial...) is named by its alias; its own
      // symbol is the anonymous `__type`.
      if (type.aliasSymbol) {
        const args = type.aliasTypeArguments ?? [];
        const name = type.aliasSymbol.name;
        return args.length === 0 ? name : `${name}<${args.map((arg) => this.print(arg)).join(", ")}>`;
      }
      const name = type.getSymbol()!.name;
      const args = type.objectFlags & ts.ObjectFlags.Reference ? typeArguments() : [];
      return args.length === 0 ? name : `${name}<${args.map((arg) => this.print(arg)).join(", ")}>`;
    }
    if (type.getCallSignatures().length > 0 || type.getConstructSignatures().length > 0) {
      throw new Error(`cannot print the function or class ${this.checker.typeToString(type)}`);
    }
    const indexes = this.checker.getIndexInfosOfType(type).map((index) => {
      const readonly = index.isReadonly ? "readonly " : "";
      return `${readonly}[key: ${this.checker.typeToString(index.keyType)}]: ${this.print(index.type)};`;
    });
    const properties = type.getProperties().map((symbol) => {
      const readonly = isReadonly(symbol) ? "readonly " : "";
      const optional = symbol.flags & ts.SymbolFlags.Optional ? "?" : "";
      const value = this.print(this.checker.getTypeOfSymbol(symbol));
      return this.documented(symbol, `${readonly}${propertyName(symbol.name)}${optional}: ${value};`);
    });
    return block([...indexes, ...properties]);
  }

  /** A member with the server's doc comment, which the client's author then sees in their editor. */
  private documented(symbol: ts.Symbol, member: string): string {
    const comment = ts.displayPartsToString(symbol.getDocumentationComment(this.checker)).trim();
    if (!comment) return member;
    const lines = comment.replaceAll("*/", "*\\/").split("\n");
    if (lines.length === 1) return `/** ${lines[0]} */\n${member}`;
    return `/**\n${lines.map((line) => ` * ${line}`.trimEnd()).join("\n")}\n */\n${member}`;
  }

  /** Date, AsyncIterable, Uint8Array...: declared by TypeScript's own libraries, the same for every client. */
  private isLanguageType(type: ts.Type): boolean {
    const declarations = type.getSymbol()?.getDeclarations() ?? [];
    return (
      declarations.length > 0 &&
      declarations.every((declaration) => this.program.isSourceFileDefaultLibrary(declaration.getSourceFile()))
    );
  }
}

function isReadonly(symbol: ts.Symbol): boolean {
  return (symbol.getDeclarations() ?? []).some(
    (declaration) => ts.getCombinedModifierFlags(declaration) & ts.ModifierFlags.Readonly,
  );
}

function propertyName(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

/** An object type's members, one a line, each indented once more than the braces. */
function block(members: string[]): string {
  if (members.length === 0) return "{}";
  return `{\n${members.map((member) => member.replace(/^/gm, "  ")).join("\n")}\n}`;
}
