/**
 * The conformance suite with the MongoDB strategy forced: on FerretDB this runs the range
 * queries, `$in` lookups and TTL stamps real MongoDB users get. FerretDB answers them correctly
 * but by scanning each test's whole collection in its own process, about 0.25 ms per document
 * on the CI machine, so the two heavy tests run at a tenth of their size there (100 entries paged
 * through, 8 × 21 concurrent messages; on the loaded CI machine the full-size ones each took
 * over 300 s, and paging 200 entries did too). Against a real MongoDB they run at full size.
 */
import { runMongoConformance } from './conformance';
import { serverIsFerretDB } from './server';

runMongoConformance('mongodb', (await serverIsFerretDB()) ? 0.1 : 1);
