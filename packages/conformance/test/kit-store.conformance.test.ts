// The docs/custom-backend.md example, a driver on core's store kit, passes the suite: required groups run, optional ones skip.
import { runConformanceSuite } from '../src/index';
import kitStore from './fixtures/kit-store';

runConformanceSuite(kitStore);
