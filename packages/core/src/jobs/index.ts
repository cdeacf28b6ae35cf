export * from "./job-catalogue";
export * from "./job-definition";
export * from "./send-mail-job";
