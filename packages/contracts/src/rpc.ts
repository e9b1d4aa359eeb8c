/* eslint-disable no-restricted-syntax -- re-exports generated modules whole: their names are the .proto files'. */
// The shop's gRPC contracts, generated from proto/ by `npm run gen:proto` (protoc-gen-es). Exported as the
// `rpc` namespace: generated names such as `Money` would otherwise clash with the REST schemas'.
export * from './gen/opsloop/shop/v1/money_pb.js';
export * from './gen/opsloop/shop/v1/inventory_pb.js';
export * from './gen/opsloop/shop/v1/payments_pb.js';
export * from './gen/opsloop/shop/v1/orders_pb.js';
export * from './gen/opsloop/shop/v1/cart_pb.js';
export * from './gen/opsloop/shop/v1/users_pb.js';
