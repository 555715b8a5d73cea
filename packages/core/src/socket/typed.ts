/**
 * Event maps: the types of the payloads of an app's persisted events, like Socket.IO's typed
 * event maps. `{ chat: { text: string }; notice: string }` types `data` on the server's hooks
 * and handle (`roomlog<ChatEvents>(io, ...)`) and in the client (`roomlogClient<ChatEvents>(socket)`).
 * As with Socket.IO's maps, the types describe what clients are expected to send; nothing
 * checks it at run time, so validate in `beforePersist` what must hold.
 */
import type { NewMessage, StoredMessage } from '../store';
import type { MessageEnvelope, WithheldEnvelope } from './protocol';

/** Persisted event names → the type of their `data`: an interface or type literal, e.g. `{ chat: { text: string } }`. */
export type EventDataMap = object;

/** The map of an untyped integration: any event name, `unknown` data. */
export type AnyEventData = { [event: string]: unknown };

/** The event names of a map. */
export type EventName<Events extends EventDataMap> = keyof Events & string;

/**
 * Any entry of a map's events, as a union over the events, so checking `entry.event` narrows
 * `entry.data`: `if (entry.event === 'chat') entry.data?.text`.
 */
export type EntryOf<Events extends EventDataMap, Event extends EventName<Events> = EventName<Events>> = {
  [E in Event]: MessageEnvelope<Events[E], E>;
}[Event];

/** A message about to be stored (`beforePersist`), typed by its event. */
export type PersistMessage<Events extends EventDataMap, Event extends EventName<Events> = EventName<Events>> = {
  [E in Event]: Omit<NewMessage, 'event' | 'data'> & { event: E; data: Events[E] };
}[Event];

/** A stored entry (`afterPersist`), typed by its event; `data` is `null` for delete log entries. */
export type StoredOf<Events extends EventDataMap, Event extends EventName<Events> = EventName<Events>> = {
  [E in Event]: Omit<StoredMessage, 'event' | 'data'> & { event: E; data: Events[E] | null };
}[Event];

/**
 * True when `beforeDeliver` withheld the entry from this recipient: only its place (`room`,
 * `seq`, `epoch`) is known. `false` narrows to the full entry.
 */
export function isWithheld<Entry extends object>(entry: Entry | WithheldEnvelope): entry is WithheldEnvelope {
  return (entry as Partial<WithheldEnvelope>).withheld === true;
}
