export * from "./job-catalogue";
export * from "./job-definition";
