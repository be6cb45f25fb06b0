// The node agent's pure rules: image matching and the kubelet's $(VAR) expansion.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { imageRepository, lookupImage, personaImage, hostCommandImage } from './images.ts';
import { expandVars, parseQuantity } from './pod-env.ts';

describe('image table', () => {
  test('strips tags and digests but keeps registry ports', () => {
    assert.equal(imageRepository('persona-operator:0.1.0'), 'persona-operator');
    assert.equal(
      imageRepository('registry.local:5000/acme/persona-operator:dev'),
      'registry.local:5000/acme/persona-operator',
    );
    assert.equal(imageRepository('acme/persona-operator@sha256:abc'), 'acme/persona-operator');
    assert.equal(imageRepository('registry.local:5000/tool'), 'registry.local:5000/tool');
  });

  test('matches a repository by its last path segments, never by a suffix inside a name', () => {
    const table = { 'persona-operator': personaImage };
    assert.equal(lookupImage(table, 'ghcr.io/acme/persona-operator:1.2'), personaImage);
    assert.equal(lookupImage(table, 'persona-operator'), personaImage);
    assert.equal(lookupImage(table, 'acme/not-persona-operator:1'), undefined);
    assert.equal(lookupImage(table, 'nginx:1.27'), undefined);
  });

  test('the persona image runs the CLI with command tail and args, and refuses other entrypoints', () => {
    const spec = personaImage({ command: ['persona', 'train'], args: ['--k', '3'] });
    assert.equal(spec.file, process.execPath);
    assert.match(spec.args[0], /cli\/bin\/persona\.js$/);
    assert.deepEqual(spec.args.slice(1), ['train', '--k', '3']);
    assert.throws(() => personaImage({ command: ['/bin/sh'], args: [] }), /only runs `persona`/);
    assert.throws(() => hostCommandImage({ command: [], args: ['x'] }), /set the container `command`/);
  });
});

describe('environment', () => {
  test('expands $(VAR) references, keeps unknown ones and honours $$ escapes', () => {
    const env = { A: 'one', B: 'two' };
    assert.equal(expandVars('$(A)-$(B)', env), 'one-two');
    assert.equal(expandVars('$(MISSING)', env), '$(MISSING)');
    assert.equal(expandVars('$$(A)', env), '$(A)');
  });

  test('parses resource quantities and rejects nonsense', () => {
    assert.equal(parseQuantity('500m'), 0.5);
    assert.equal(parseQuantity('64Mi'), 64 * 1024 * 1024);
    assert.throws(() => parseQuantity('12parsecs'), /cannot parse quantity/);
  });
});
