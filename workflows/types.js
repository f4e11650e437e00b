/**
 * Inputs, results and names shared by the workflows, their activities and their clients.
 * Deterministic code only: no Node, network or clock here.
 */
/** Task queues the packaged workflows run on. */
export const TASK_QUEUES = {
    moneyTransfer: 'money-transfer',
    orders: 'orders',
};
export const transferWorkflowId = (referenceId) => `transfer-${referenceId}`;
export const orderSagaWorkflowId = (orderId) => `order-saga-${orderId}`;
export const orderWorkflowId = (orderId) => `order-${orderId}`;
//# sourceMappingURL=types.js.map