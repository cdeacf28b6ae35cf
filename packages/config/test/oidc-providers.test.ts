import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src";

const google = {
  name: "google",
  issuer: "https://accounts.google.com",
  clientId: "seed.apps.googleusercontent.com",
  clientSecret: "a-google-client-secret",
};
const redirect = { OIDC_REDIRECT_URI: "https://app.example.com/signed-in" };

describe("OIDC providers in the configuration", () => {
  it("has none unless configured", () => {
    expect(loadConfig({}).oidc).toBeNull();
  });

  it("reads Google and a generic provider from OIDC_PROVIDERS", () => {
    const generic = {
      name: "corp",
      issuer: "https://id.corp.example/realms/staff",
      clientId: "seed",
      clientSecret: "s",
    };
    const config = loadConfig({ OIDC_PROVIDERS: JSON.stringify([google, generic]), ...redirect });
    expect(config.oidc).toEqual({ providers: [google, generic], redirectUri: redirect.OIDC_REDIRECT_URI });
  });

  it("lets a provider on this machine speak plain http, and no other", () => {
    const local = { ...google, name: "local", issuer: "http://127.0.0.1:4000" };
    expect(loadConfig({ OIDC_PROVIDERS: JSON.stringify([local]), ...redirect }).oidc?.providers).toEqual([local]);

    const remote = { ...google, issuer: "http://accounts.example.com" };
    expect(() => loadConfig({ OIDC_PROVIDERS: JSON.stringify([remote]), ...redirect })).toThrow(
      /^Invalid configuration: OIDC_PROVIDERS\.0\.issuer: must use https/,
    );
  });

  it.each([
    ["malformed JSON", "[{"],
    ["a provider without a secret", JSON.stringify([{ ...google, clientSecret: "" }])],
    ["an unknown field", JSON.stringify([{ ...google, scopes: "openid" }])],
    ["two providers of one name", JSON.stringify([google, google])],
    ["a name a URL could not carry", JSON.stringify([{ ...google, name: "Google Accounts" }])],
  ])("refuses %s, naming the variable but never the secrets", (_case, value) => {
    const attempt = () => loadConfig({ OIDC_PROVIDERS: value, ...redirect });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/^Invalid configuration: OIDC_PROVIDERS/);
    expect(attempt).not.toThrow(new RegExp(google.clientSecret));
  });

  it("wants a redirect URI with the providers, without query or fragment", () => {
    const providers = JSON.stringify([google]);
    expect(() => loadConfig({ OIDC_PROVIDERS: providers })).toThrow(
      /^Invalid configuration: OIDC_REDIRECT_URI: required/,
    );
    expect(() =>
      loadConfig({ OIDC_PROVIDERS: providers, OIDC_REDIRECT_URI: "https://app.example.com/in?x=1" }),
    ).toThrow(/OIDC_REDIRECT_URI: must have no query or fragment/);
    expect(() => loadConfig({ OIDC_PROVIDERS: providers, OIDC_REDIRECT_URI: "http://app.example.com/in" })).toThrow(
      /OIDC_REDIRECT_URI: must use https/,
    );
  });
});
