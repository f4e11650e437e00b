/**
 * The packaged workflows. The worker registers every function exported here as a workflow type,
 * so export workflows only.
 */
export { moneyTransfer } from './money-transfer';
export { orderSaga } from './order-saga';
export { order } from './order';
