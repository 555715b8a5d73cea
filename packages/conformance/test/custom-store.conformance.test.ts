// A store written directly against MessageStore, without the kit, passes the suite: required groups run, optional ones skip.
import { runConformanceSuite } from '../src/index';
import customStore from './fixtures/custom-store';

runConformanceSuite(customStore);
