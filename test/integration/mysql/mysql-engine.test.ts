import { basename } from 'node:path';
import { after } from 'node:test';
import { MySqlDatabase } from '../../../executor/store/mysql/mysql-database.js';
import { MySqlEngine } from '../../../executor/store/mysql/mysql-engine.js';
import { testMySqlConfig } from '../../infra/mysql.js';
import { describeEngine } from '../../unit/store/engine-conformance.js';

/** The engine conformance suite on a real MariaDB; each test's fresh directory names a fresh task (its own rows). */
const db = await MySqlDatabase.open(testMySqlConfig());
after(() => db.close());
describeEngine('mysql', (dir) => new MySqlEngine(db, 'conformance', basename(dir)));
