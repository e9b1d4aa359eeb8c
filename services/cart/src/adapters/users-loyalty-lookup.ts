import { loyaltyDiscountPercent, type rpc } from '@opsloop/contracts';
import { Code, ConnectError, type RpcClient } from '@opsloop/rpc';
import { LoyaltyUnavailableError, type LoyaltyLookup } from '../loyalty-lookup.js';

/**
 * Loyalty from the users service over gRPC (`UsersService.GetLoyalty`, through `@opsloop/rpc`'s client with
 * its deadline, retries and circuit breaker). NOT_FOUND and INVALID_ARGUMENT mean a user the users service
 * does not have: no points. Every other failure is {@link LoyaltyUnavailableError}. The discount is computed
 * here from the points with the shared `loyaltyDiscountPercent`, so the cart and the users service agree.
 */
export function createUsersLoyaltyLookup(
  client: Pick<RpcClient<typeof rpc.UsersService>, 'getLoyalty'>,
): LoyaltyLookup {
  return {
    async get(userId) {
      try {
        const { points } = await client.getLoyalty({ userId });
        return { points, discountPercent: loyaltyDiscountPercent(points) };
      } catch (error) {
        const code = ConnectError.from(error).code;
        if (code === Code.NotFound || code === Code.InvalidArgument) return { points: 0, discountPercent: 0 };
        throw new LoyaltyUnavailableError(`users service: ${Code[code]}`, { cause: error });
      }
    },
  };
}
