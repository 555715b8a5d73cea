/** The conformance suite with the strategy the server calls for (`'ferretdb'` on FerretDB). */
import { runMongoConformance } from './conformance';

runMongoConformance('auto');
