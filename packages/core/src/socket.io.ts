/**
 * `@roomlog/core/socket.io`: the Socket.IO integration — `roomlog(io, options)`, its hooks and
 * options. Kept apart from the package root so the store contract and the kit (`@roomlog/core`)
 * neither load nor type-reference Socket.IO: a backend author needs only `@roomlog/core`, and
 * `socket.io` is an optional peer that only this entry point uses.
 */
export { roomlog, type Roomlog, type PublishInput } from './socket/roomlog';
export type {
  AuthorizeAction,
  AuthorizeRequest,
  ErrorContext,
  EventsMap,
  Recipient,
  RoomlogHooks,
  RoomlogOptions,
  RoomlogSocket,
} from './socket/options';
export { DEFAULT_MAX_PACKET_ATTACHMENTS, type RoomlogLimits } from './socket/limits';
