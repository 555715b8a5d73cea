// The docs/custom-backend.md example passes the suite: required groups run, optional ones skip.
import { runConformanceSuite } from '../src/index';
import customStore from './fixtures/custom-store';

runConformanceSuite(customStore);
