/**
 * Who is in the room, and under which name: members by key, the keys kept in display order, and
 * (when the server compares look-alikes) the first member holding each name's skeleton. The room
 * decides what to announce; the roster only answers who is there.
 * @module
 */

/** What the roster needs of a member: its unique key and the name it shows. */
export interface Named {
  readonly key: string;
  readonly name: string;
}

/**
 * The room's members. Keys are kept sorted (key order is case-insensitive name order) so that the
 * welcome, `/users` and the console list need no sort; adding and removing cost a binary search
 * and one splice.
 */
export class Roster<Member extends Named> {
  readonly #members = new Map<string, Member>();
  /** Member keys in display order. */
  readonly #sortedKeys: string[] = [];
  /** The look-alike form of a name; null: only keys are compared. */
  readonly #skeleton: ((name: string) => string) | null;
  /** Members by their names' skeletons (the first with each). */
  readonly #bySkeleton = new Map<string, Member>();

  constructor(skeleton: ((name: string) => string) | null) {
    this.#skeleton = skeleton;
  }

  /** How many members are online. */
  get size(): number {
    return this.#members.size;
  }

  /** The member registered under this key, if any. */
  find(key: string): Member | undefined {
    return this.#members.get(key);
  }

  /** True when someone holds this key. */
  has(key: string): boolean {
    return this.#members.has(key);
  }

  /** True if this exact member is in the roster. */
  contains(member: Member): boolean {
    return this.#members.get(member.key) === member;
  }

  /** The online member whose name has the same skeleton as `name` under another key, if any. */
  lookalike(name: string, key: string): Member | undefined {
    if (this.#skeleton === null) return undefined;
    const holder = this.#bySkeleton.get(this.#skeleton(name));
    return holder !== undefined && holder.key !== key ? holder : undefined;
  }

  /** Every member, in no particular order (the fan-out's loop). */
  members(): IterableIterator<Member> {
    return this.#members.values();
  }

  /** Names in display order; `limit` takes only the first ones. */
  names(limit = Infinity): string[] {
    const count = Math.min(limit, this.#sortedKeys.length);
    const out = new Array<string>(count);
    for (let i = 0; i < count; i++) {
      out[i] = this.#members.get(this.#sortedKeys[i])?.name ?? "";
    }
    return out;
  }

  /** Adds a member whose key is free (the caller checked with {@link Roster.has}). */
  add(member: Member): void {
    this.#members.set(member.key, member);
    this.#sortedKeys.splice(this.#insertionPoint(member.key), 0, member.key);
    if (this.#skeleton !== null) {
      const skeleton = this.#skeleton(member.name);
      if (!this.#bySkeleton.has(skeleton)) this.#bySkeleton.set(skeleton, member);
    }
  }

  /** Removes a member that is in the roster (the caller checked with {@link Roster.contains}). */
  remove(member: Member): void {
    this.#members.delete(member.key);
    if (this.#skeleton !== null) {
      const skeleton = this.#skeleton(member.name);
      if (this.#bySkeleton.get(skeleton) === member) this.#bySkeleton.delete(skeleton);
    }
    const at = this.#insertionPoint(member.key);
    if (this.#sortedKeys[at] === member.key) this.#sortedKeys.splice(at, 1);
  }

  #insertionPoint(key: string): number {
    const keys = this.#sortedKeys;
    let low = 0;
    let high = keys.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (keys[mid] < key) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
