export * from "./money";
export * from "./product-editing";
export * from "./product-listing";
export * from "./product-schemas";
export * from "./product-view";
