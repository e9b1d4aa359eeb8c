export { gatewayService, gatewayConfigSchema, type GatewayServiceOptions } from './app.js';
export { parseRoutes, matchRoute, type GatewayRoute } from './route-table.js';
export { createProxy, type Proxy, type ProxyOptions } from './proxy.js';
