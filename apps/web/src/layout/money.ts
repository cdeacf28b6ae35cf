/** Amounts travel as integer minor units; only the display turns them into a decimal. */
export function formatMoney({ amount, currency }: { amount: number; currency: string }): string {
  return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(amount / 100);
}
