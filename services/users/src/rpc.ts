import type { rpc } from '@opsloop/contracts';
import { Code, ConnectError, type ServiceImpl } from '@opsloop/rpc';
import type { Database } from '@opsloop/store';
import { isUuid } from './ids.js';
import { getLoyalty } from './loyalty.js';
import type { UsersTables } from './tables.js';

/** Largest value of a proto `uint32` (points beyond it are reported as this; a shop never gets there). */
const MAX_UINT32 = 0xffff_ffff;

/**
 * The gRPC binding of the users service (`opsloop.shop.v1.UsersService`): GetLoyalty. An empty or non-UUID
 * user id is INVALID_ARGUMENT; an unknown user is NOT_FOUND.
 */
export function createUsersRpc(database: Database<UsersTables>): ServiceImpl<typeof rpc.UsersService> {
  return {
    async getLoyalty(request) {
      if (request.userId === '') throw new ConnectError('user_id is required', Code.InvalidArgument);
      if (!isUuid(request.userId))
        throw new ConnectError('user_id must be a user id (UUID)', Code.InvalidArgument);
      const loyalty = await getLoyalty(database, request.userId);
      if (loyalty === undefined) throw new ConnectError(`no user with id ${request.userId}`, Code.NotFound);
      return {
        userId: loyalty.userId,
        points: Math.min(loyalty.points, MAX_UINT32),
        discountPercent: loyalty.discountPercent,
      };
    },
  };
}
