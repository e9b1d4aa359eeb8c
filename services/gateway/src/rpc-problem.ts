import { ProblemError } from '@opsloop/kit';
import { Code, codeName, ConnectError } from '@opsloop/rpc';

/**
 * A failed gRPC call as the problem the REST client sees. The caller's mistakes keep their meaning
 * (INVALID_ARGUMENT → 400, NOT_FOUND → 404, conflicts → 409); an unreachable or overloaded service is 503, a
 * deadline 504, and anything else the service got wrong is 502 (never a 500 of the gateway's own).
 */
export function problemFromRpc(error: unknown, service: string): ProblemError {
  const connect = ConnectError.from(error);
  const detail = `${service}: ${connect.rawMessage}`;
  switch (connect.code) {
    case Code.InvalidArgument:
    case Code.OutOfRange:
      return new ProblemError('validationFailed', { detail, cause: error });
    case Code.NotFound:
      return new ProblemError('resourceNotFound', { detail, cause: error });
    case Code.AlreadyExists:
    case Code.FailedPrecondition:
    case Code.Aborted:
      return new ProblemError('conflict', { detail, cause: error });
    case Code.Unavailable:
    case Code.ResourceExhausted:
      return new ProblemError('upstreamUnavailable', {
        detail: `${service} is unavailable`,
        headers: { 'retry-after': '1' },
        cause: error,
      });
    case Code.DeadlineExceeded:
      return new ProblemError('upstreamTimeout', {
        detail: `${service} did not answer in time`,
        cause: error,
      });
    default:
      return new ProblemError('badGateway', {
        detail: `${service} failed (${codeName(connect.code)})`,
        cause: error,
      });
  }
}
