/**
 * The run's slice of the bank's and store's audits. The services can outlive a run (`chaos explore` runs every
 * schedule on one cluster), so the snapshot keeps only what this run's plan created: the accounts, SKUs, customers,
 * transfers and orders whose ids carry the run's prefix (PlanContext.id), with the totals recomputed over them the
 * way the services define them. A run's invariants then never see another run's state.
 */
import type { BankAudit } from '../services/bank/api';
import type { StoreAudit } from '../services/store/api';

const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0);

export function bankSlice(audit: BankAudit, prefix: string): BankAudit {
  const accounts = audit.accounts.filter((a) => a.accountId.startsWith(prefix));
  return {
    accounts,
    totalBalance: sum(accounts.map((a) => a.balance)),
    operations: audit.operations.filter((op) => op.referenceId.startsWith(prefix)),
    closedReferences: audit.closedReferences.filter((id) => id.startsWith(prefix)),
  };
}

export function storeSlice(audit: StoreAudit, prefix: string): StoreAudit {
  const mine = <T extends { orderId: string }>(rows: T[]): T[] => rows.filter((row) => row.orderId.startsWith(prefix));
  const stock = audit.stock.filter((s) => s.sku.startsWith(prefix));
  const customers = audit.customers.filter((c) => c.customerId.startsWith(prefix));
  const reservations = mine(audit.reservations);
  const payments = mine(audit.payments);
  // As the store defines them: credit plus active charges; per SKU, available plus actively reserved.
  const reserved = (sku: string): number =>
    sum(
      reservations
        .filter((r) => r.status === 'reserved')
        .flatMap((r) => r.items.filter((item) => item.sku === sku).map((item) => item.quantity)),
    );
  return {
    stock,
    customers,
    reservations,
    payments,
    shipments: mine(audit.shipments),
    operations: mine(audit.operations),
    moneyTotal: sum(customers.map((c) => c.credit)) + sum(payments.filter((p) => p.status === 'charged').map((p) => p.amount)),
    stockTotals: stock.map((s) => ({ sku: s.sku, available: s.available + reserved(s.sku) })),
  };
}
