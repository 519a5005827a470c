/**
 * How a connection's read loop sizes its buffer and when it stops reading: shared by the chat
 * and IRC sessions so an idle client of either costs the same and a slow reader is paced alike.
 * @module
 */

/** A session reads into a small buffer while it is idle (10,000 idle clients hold 5 MiB)... */
export const SMALL_READ_BYTES = 512;
/** ...and into a larger one once a read fills the small one (a busy sender)... */
export const LARGE_READ_BYTES = 16384;
/** ...and back into a small one after this many reads in a row that the small one would hold. */
export const SHRINK_AFTER_SMALL_READS = 32;
/**
 * While more than this is unsent to a client, its session reads no further requests from it
 * (back-pressure): what it asks for itself waits in its socket, not in the server's memory.
 */
export const READ_PAUSE_BYTES = 256 * 1024;
