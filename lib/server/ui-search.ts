import type { AuditEvent } from '../audit/events.js';
import type { EventType } from '../events/types.js';
import type { Ledger } from '../ledger.js';
import { File, type LineageRecord, Run, Transform } from '../model/records.js';
import type { Reader } from '../reader.js';
import { type RecordRef, refOf } from './ui-api.js';

// The web page's search index. A scan over every record per keystroke took ~seconds at a million
// events; this index answers from sorted terms and trigrams instead:
// - every record's names (file names and aliases, transform names and "name vVERSION", run names,
//   the transform name of each run) match by prefix and, from 3 characters on, anywhere inside (a
//   trigram index over the names);
// - ids, content hashes and storage keys (other than those made of the hash) match by prefix, as
//   git abbreviates: from 4 characters, as git's shortest abbreviation, so that a short word typed
//   does not turn up the records whose random id happens to start with it.
// Each term is stamped with the seq it appeared at, so a snapshot (`asOf`) sees exactly the terms of
// its own past. It is built on the first search from the projection's tables (in memory, no log
// read), then kept up incrementally: each search first indexes the events appended since the last.

const TYPES: readonly EventType[] = ['transform.registered', 'run.started', 'file.created', 'file.aliased'];
// Ranking: the tier of the match (exact, prefix, substring), then the kind (files, transforms, runs).
const KIND_OF = { file: 0, transform: 1, run: 2 } as const;
// Records indexed between two turns of the event loop while the index is built.
const BUILD_SLICE = 20_000;
const EXACT = 0;
const PREFIX = 1;
const INSIDE = 2;
// The shortest prefix of an id, hash or storage key that finds it (git's minimum abbreviation).
const MIN_KEY_PREFIX = 4;

/** Counts of what the index holds, for benchmarks and tests. */
export interface SearchIndexStats {
  seq: number;
  records: number;
  terms: number;
  trigrams: number;
}

/** A search index over one ledger's records, asOf-aware, brought up to date lazily by `search()`. */
export class SearchIndex {
  readonly #ledger: Ledger;
  #seq = 0;
  readonly #docIds: string[] = [];
  readonly #docKinds: number[] = [];
  readonly #docOf = new Map<string, number>();
  readonly #terms: string[] = [];
  readonly #termOf = new Map<string, number>();
  // Per term: the first record that has it and the seq it got it at; most terms (ids, hashes) have
  // one record, so the others are kept apart, by term, only for the terms that have them.
  readonly #firstDoc: number[] = [];
  readonly #firstSeq: number[] = [];
  readonly #moreDocs = new Map<number, number[]>();
  readonly #moreSeqs = new Map<number, number[]>();
  // Term ordinals sorted by term (for prefixes), and those added since the last sort.
  #sorted: number[] = [];
  #sortedTerms: string[] = [];
  #fresh: number[] = [];
  // Trigram → ordinals of the name terms that hold it.
  readonly #grams = new Map<number | string, number[]>();
  readonly #transformNames = new Map<string, string>();
  #catching: Promise<void> = Promise.resolve();
  #built = false;

  constructor(ledger: Ledger) {
    this.#ledger = ledger;
  }

  /** What the index holds now. */
  stats(): SearchIndexStats {
    return { seq: this.#seq, records: this.#docIds.length, terms: this.#terms.length, trigrams: this.#grams.size };
  }

  /** Whether the first build is done. */
  get built(): boolean {
    return this.#built;
  }

  /** Indexes the log up to `seq` (events already indexed are not read again); the first call builds the index. */
  update(seq: number = this.#ledger.head.seq): Promise<void> {
    const next = this.#catching.then(() => this.#catchUp(seq));
    // A failed read (the ledger closed under it) fails this call, not every later one.
    this.#catching = next.catch(() => {});
    return next;
  }

  /**
   * Up to `limit` records of `reader`'s snapshot whose name, id or hash matches `q` (case-insensitive):
   * exact matches first, then prefixes, then names holding `q`; within each, files, transforms, runs.
   */
  async search(reader: Reader, q: string, limit: number): Promise<RecordRef[]> {
    const needle = q.trim().toLowerCase();
    if (!needle) return [];
    if (reader.seq > this.#seq) await this.update(reader.seq);
    this.#sortFresh();
    const at = reader.seq;
    const seen = new Set<number>();
    const hits: [number, RecordRef][] = [];
    // Each source gathers a bounded number of candidates (in term order), so that a one-letter
    // query over a million names costs no more than a precise one. The sorted range of terms that
    // start with the needle begins with those equal to it: the exact matches.
    const cap = limit * 2;
    const sources: Iterable<number>[] = [this.#prefixed(needle, needle.length >= MIN_KEY_PREFIX), needle.length >= 3 ? this.#inside(needle) : []];
    for (const ords of sources) {
      let taken = 0;
      for (const ord of ords) {
        const tier = this.#terms[ord] === needle ? EXACT : ords === sources[0] ? PREFIX : INSIDE;
        for (const [doc, seq] of this.#postings(ord)) {
          if (seq > at || seen.has(doc)) continue;
          seen.add(doc);
          const record = this.#record(reader, doc);
          if (record === undefined) continue;
          hits.push([tier + this.#docKinds[doc]! / 10, refOf(record)]);
          if (++taken >= cap) break;
        }
        if (taken >= cap) break;
      }
      if (hits.length >= limit) break;
    }
    hits.sort((a, b) => a[0] - b[0] || a[1].label.localeCompare(b[1].label));
    return hits.slice(0, limit).map(([, r]) => r);
  }

  // The records that have a term, with the seq each got it at.
  *#postings(ord: number): Iterable<[number, number]> {
    yield [this.#firstDoc[ord]!, this.#firstSeq[ord]!];
    const more = this.#moreDocs.get(ord);
    if (!more) return;
    const seqs = this.#moreSeqs.get(ord)!;
    for (let i = 0; i < more.length; i++) yield [more[i]!, seqs[i]!];
  }

  async #catchUp(to: number): Promise<void> {
    if (!this.#built) await this.#build();
    if (to <= this.#seq) return;
    const session = this.#ledger.session();
    const end = Math.min(to, session.seq);
    for await (const e of session.events({ from: this.#seq + 1, to: end, types: TYPES })) this.#index(e);
    this.#seq = Math.max(this.#seq, end);
  }

  // Everything the projection holds up to its seq now, each record stamped with the seq that
  // created it, in slices that let the server answer other requests in between. Records created
  // meanwhile (past that seq) are skipped here and come in with the events after it.
  async #build(): Promise<void> {
    const p = this.#ledger.projection;
    const upTo = p.seq;
    const { transforms, runs, files } = p;
    const slice = async (size: number, each: (i: number) => void) => {
      for (let from = 0; from < size; from += BUILD_SLICE) {
        const start = this.#fresh.length;
        for (let i = from; i < Math.min(size, from + BUILD_SLICE); i++) each(i);
        // Each slice's new terms sorted now, in place: the sort at the end then merges sorted runs
        // (TimSort finds them) instead of sorting a million terms from scratch while a search waits.
        const run = this.#fresh.slice(start).sort(this.#byTerm);
        for (let k = 0; k < run.length; k++) this.#fresh[start + k] = run[k]!;
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const seen = (seq: number) => seq !== 0 && seq <= upTo;
    await slice(transforms.size, (i) => {
      const seq = transforms.createdSeq(i);
      if (!seen(seq)) return;
      const t = transforms.get(transforms.idOf(i))![0]!;
      this.#transformNames.set(t.id, t.name);
      this.#put(KIND_OF.transform, t.id, seq, [t.id, t.hash], [t.name, `${t.name} v${t.version}`]);
    });
    await slice(runs.size, (i) => {
      const seq = runs.createdSeq(i);
      if (!seen(seq)) return;
      const id = runs.idOf(i);
      const tf = runs.transformOf(i);
      this.#put(KIND_OF.run, id, seq, [id], [runs.nameOf(i), tf < 0 ? undefined : this.#transformNames.get(transforms.idOf(tf))]);
    });
    await slice(files.size, (i) => {
      const seq = files.createdSeq(i);
      if (!seen(seq)) return;
      const f = files.get(files.idOf(i))![0]!;
      this.#put(KIND_OF.file, f.id, seq, [f.id, f.hash, storageKey(f.key, f.hash)], [f.name]);
    });
    for (const a of p.aliases) if (a.seq <= upTo) this.#put(KIND_OF.file, files.idOf(a.file), a.seq, [], [a.name]);
    this.#sortFresh();
    this.#seq = upTo;
    this.#built = true;
  }

  #index(e: AuditEvent): void {
    switch (e.type) {
      case 'transform.registered': {
        const d = e.data;
        this.#transformNames.set(d.id, d.name);
        this.#put(KIND_OF.transform, d.id, e.seq, [d.id, d.hash], [d.name, d.version ? `${d.name} v${d.version}` : undefined]);
        break;
      }
      case 'run.started':
        this.#put(KIND_OF.run, e.data.id, e.seq, [e.data.id], [e.data.name, this.#transformNames.get(e.data.transformId)]);
        break;
      case 'file.created': {
        const d = e.data;
        this.#put(KIND_OF.file, d.id, e.seq, [d.id, d.hash, storageKey(d.key, d.hash)], [d.name]);
        break;
      }
      case 'file.aliased':
        this.#put(KIND_OF.file, e.data.fileId, e.seq, [], [e.data.name]);
        break;
      default:
        break;
    }
  }

  #put(kind: number, id: string, seq: number, keys: (string | undefined)[], names: (string | undefined)[]): void {
    const k = `${kind}:${id}`;
    let doc = this.#docOf.get(k);
    if (doc === undefined) {
      doc = this.#docIds.length;
      this.#docIds.push(id);
      this.#docKinds.push(kind);
      this.#docOf.set(k, doc);
    }
    for (const t of keys) if (t) this.#posting(t.toLowerCase(), doc, seq, false);
    for (const t of names) if (t) this.#posting(t.toLowerCase(), doc, seq, true);
  }

  // Ids and hashes are (nearly) unique: each gets a term of its own, without the map that names go
  // through to share one term among the records that have it (every run of a transform).
  #posting(term: string, doc: number, seq: number, name: boolean): void {
    let ord = name ? this.#termOf.get(term) : undefined;
    if (ord === undefined) {
      ord = this.#terms.length;
      this.#terms.push(term);
      if (name) this.#termOf.set(term, ord);
      this.#firstDoc.push(doc);
      this.#firstSeq.push(seq);
      this.#fresh.push(ord);
      if (name) {
        // A term's trigrams are listed together, so a repeat within it is the list's last entry.
        for (let i = 0; i + 3 <= term.length; i++) {
          const g = gram(term, i);
          const list = this.#grams.get(g);
          if (!list) this.#grams.set(g, [ord]);
          else if (list[list.length - 1] !== ord) list.push(ord);
        }
      }
      return;
    }
    // A repeat of the same record (an alias equal to its name) is harmless: a search takes a record
    // once, and its first seq is the one that counts.
    const more = this.#moreDocs.get(ord);
    const last = more ? more[more.length - 1] : this.#firstDoc[ord];
    if (last === doc) return;
    if (more) {
      more.push(doc);
      this.#moreSeqs.get(ord)!.push(seq);
    } else {
      this.#moreDocs.set(ord, [doc]);
      this.#moreSeqs.set(ord, [seq]);
    }
  }

  // Orders term ordinals by their terms, as `<` compares strings (UTF-16 code units), like startsWith.
  readonly #byTerm = (a: number, b: number): number => {
    const x = this.#terms[a]!;
    const y = this.#terms[b]!;
    return x < y ? -1 : x > y ? 1 : 0;
  };

  #sortFresh(): void {
    if (this.#fresh.length === 0) return;
    const terms = this.#terms;
    const fresh = this.#fresh.sort(this.#byTerm);
    this.#fresh = [];
    const freshTerms = fresh.map((o) => terms[o]!);
    if (this.#sorted.length === 0) {
      this.#sorted = fresh;
      this.#sortedTerms = freshTerms;
      return;
    }
    // Merged in one pass: new terms cost a copy, not a sort of them all.
    const old = this.#sorted;
    const oldTerms = this.#sortedTerms;
    const n = old.length + fresh.length;
    const out = new Array<number>(n);
    const outTerms = new Array<string>(n);
    let i = 0;
    let j = 0;
    for (let o = 0; o < n; o++) {
      if (j >= fresh.length || (i < old.length && oldTerms[i]! <= freshTerms[j]!)) {
        out[o] = old[i]!;
        outTerms[o] = oldTerms[i++]!;
      } else {
        out[o] = fresh[j]!;
        outTerms[o] = freshTerms[j++]!;
      }
    }
    this.#sorted = out;
    this.#sortedTerms = outTerms;
  }

  // Terms starting with the needle, in order (so those equal to it first); names only, unless `keys`.
  *#prefixed(needle: string, keys: boolean): Iterable<number> {
    const terms = this.#sortedTerms;
    let lo = 0;
    let hi = terms.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (terms[mid]! < needle) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < terms.length && terms[i]!.startsWith(needle); i++) {
      const ord = this.#sorted[i]!;
      // Only name terms are in #termOf (ids and hashes skip the map), so it tells the two apart.
      if (keys || this.#termOf.get(terms[i]!) === ord) yield ord;
    }
  }

  // Names holding the needle not at their start: the rarest of its trigrams gives the candidates.
  *#inside(needle: string): Iterable<number> {
    let best: number[] | undefined;
    for (let i = 0; i + 3 <= needle.length; i++) {
      const list = this.#grams.get(gram(needle, i));
      if (!list) return;
      if (!best || list.length < best.length) best = list;
    }
    for (const ord of best ?? []) {
      const t = this.#terms[ord]!;
      const at = t.indexOf(needle);
      if (at > 0) yield ord;
    }
  }

  // The record as the snapshot has it (its summary, e.g. a run's status, is of that moment).
  #record(reader: Reader, doc: number): LineageRecord | undefined {
    const id = this.#docIds[doc]!;
    const kind = this.#docKinds[doc]!;
    return kind === KIND_OF.file ? reader.select(File, { id }).first() : kind === KIND_OF.transform ? reader.select(Transform, { id }).first() : reader.select(Run, { id }).first();
  }
}

// A storage key made of the content hash adds nothing to search by.
function storageKey(key: string | undefined, hash: string | undefined): string | undefined {
  return key !== undefined && hash !== undefined && key.endsWith(hash) ? undefined : key;
}

// The three characters at `i` as one small integer when they are ASCII (as names nearly always
// are: no string or heap number made per trigram), else as a string.
function gram(s: string, i: number): number | string {
  const a = s.charCodeAt(i);
  const b = s.charCodeAt(i + 1);
  const c = s.charCodeAt(i + 2);
  return (a | b | c) < 128 ? (a << 14) | (b << 7) | c : s.slice(i, i + 3);
}
