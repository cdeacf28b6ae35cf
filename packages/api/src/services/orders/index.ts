export { placeOrder } from "./order-placing";
export { moveOrder, type OrderDeps } from "./order-status";
export { listOrders } from "./order-listing";
export { findOrderOwner, getOrder } from "./order-view";
