/**
 * The single place where live status changes of an order reach the page. The order-detail page
 * reads the status from the `orders.get` query; once the server offers a status subscription,
 * this hook subscribes and writes each change into that query's cache. Until then the page
 * shows the status as of its last fetch.
 */
export function useOrderStatusUpdates(_orderId: string): void {}
