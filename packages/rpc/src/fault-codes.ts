import { Code, ConnectError } from '@connectrpc/connect';
import type { FaultInjectedError } from '@opsloop/kit';
import { codeName } from './codes.js';

const CODE_OF_NAME = new Map<string, Code>();
for (const value of Object.values(Code))
  if (typeof value === 'number') CODE_OF_NAME.set(codeName(value), value);
// gRPC spells it with two Ls, connect with one.
CODE_OF_NAME.set('CANCELLED', Code.Canceled);

/**
 * The ConnectError an injected failure stands for: its gRPC code, and the plain message a real failure of
 * that code would carry (nothing says it was injected).
 */
export function connectErrorOfFault(error: FaultInjectedError): ConnectError {
  const code = CODE_OF_NAME.get(error.grpcCode) ?? Code.Internal;
  return new ConnectError(codeName(code).toLowerCase().replaceAll('_', ' '), code);
}
