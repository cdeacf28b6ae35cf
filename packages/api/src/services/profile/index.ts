export { deleteAccount } from "./account-deletion";
export { confirmEmailChange, requestEmailChange } from "./email-change";
export { getProfile, updateProfile } from "./profile";
