export { createProduct, deleteProduct, restoreProduct, updateProduct, announceProductChange } from "./product-editing";
export { getProduct, listProducts } from "./product-listing";
