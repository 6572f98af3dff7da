import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ensurePrerequisites, missingRequirements, REQUIREMENTS, type Requirement } from '../../infra/prerequisites.js';

const requirement = (debianPackage: string, present: boolean, suites: Requirement['suites']): Requirement => ({
  debianPackage,
  neededFor: `the ${debianPackage} tests`,
  suites,
  present: () => present,
});

describe('test prerequisites', () => {
  it('asks only for what the selected suites need', () => {
    const requirements = [
      requirement('for-unit', false, ['unit']),
      requirement('for-e2e', false, ['e2e']),
      requirement('here', true, ['unit']),
    ];
    assert.deepEqual(
      missingRequirements(['unit'], requirements).map((r) => r.debianPackage),
      ['for-unit'],
    );
    assert.deepEqual(
      missingRequirements(['unit', 'integration', 'e2e'], requirements).map((r) => r.debianPackage),
      ['for-unit', 'for-e2e'],
    );
  });

  it('stops before any test with the one command that installs what is missing, when it may not install', () => {
    const before = process.env.SLUICE_TEST_NO_INSTALL;
    process.env.SLUICE_TEST_NO_INSTALL = '1';
    try {
      const written: string[] = [];
      assert.throws(
        () =>
          ensurePrerequisites(['unit'], (line) => written.push(line), [
            requirement('pkg-a', false, ['unit']),
            requirement('pkg-b', false, ['unit']),
          ]),
        (error: Error) => {
          assert.match(error.message, /pkg-a \(the pkg-a tests\); pkg-b \(the pkg-b tests\)/);
          assert.match(error.message, /No test was run/);
          assert.match(error.message, /apt-get update && (sudo )?apt-get install -y --no-install-recommends pkg-a pkg-b\n/);
          return true;
        },
      );
      assert.deepEqual(written, []);
    } finally {
      if (before === undefined) delete process.env.SLUICE_TEST_NO_INSTALL;
      else process.env.SLUICE_TEST_NO_INSTALL = before;
    }
  });

  it('does nothing when everything is there', () => {
    const written: string[] = [];
    ensurePrerequisites(['unit', 'e2e'], (line) => written.push(line), [requirement('here', true, ['unit', 'e2e'])]);
    assert.deepEqual(written, []);
  });

  it('names a Debian package for every requirement, once each', () => {
    const names = REQUIREMENTS.map((r) => r.debianPackage);
    assert.equal(new Set(names).size, names.length);
    for (const name of names) assert.match(name, /^[a-z0-9][a-z0-9.+-]+$/);
  });
});
