import { describe, expect, it } from 'vitest';
import { nodeVersionHazard } from '../../src/store/native-module.js';

describe('nodeVersionHazard', () => {
  it('names the Node releases whose addons abort at garbage collection, and what to use instead', () => {
    for (const version of ['24.19.0', '24.20.0', '24.21.0', '24.21.9', 'v24.20.0']) {
      const hazard = nodeVersionHazard(version);
      expect(hazard, version).toContain(`Node.js ${version.replace(/^v/, '')} aborts`);
      expect(hazard).toContain('24.22 or later');
    }
  });

  it('says nothing of the releases before and after, nor of other lines', () => {
    for (const version of ['20.19.0', '20.20.2', '22.23.5', '24.18.1', '24.22.0', '24.22.3', '26.12.1']) {
      expect(nodeVersionHazard(version), version).toBeUndefined();
    }
  });

  it('says nothing of a version it cannot read', () => {
    for (const version of ['', '24', '24.x.1', 'nightly']) expect(nodeVersionHazard(version)).toBeUndefined();
  });
});
