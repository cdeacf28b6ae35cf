export * from "./account-deletion";
export * from "./email-change";
export * from "./owner-confirmation";
export * from "./profile";
export * from "./profile-schemas";
