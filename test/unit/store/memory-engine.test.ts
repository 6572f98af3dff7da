import { MemoryEngine } from '../../../executor/store/engines/memory-engine.js';
import { describeEngine } from './engine-conformance.js';

describeEngine('memory', () => new MemoryEngine());
