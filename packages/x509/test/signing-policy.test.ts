// The Globus EACL .signing_policy parser and matcher.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSigningPolicy, policyAllows } from '../src/signing-policy.js';

describe('signing policies', () => {
  it('parses the IGTF layout and matches with * and ?', () => {
    const p = parseSigningPolicy(`# EACL for a CA
 access_id_CA      X509         '/C=CH/O=CERN/CN=CERN Root CA 2'
 pos_rights        globus        CA:sign
 cond_subjects     globus     '"/DC=ch/DC=cern/*" "/C=CH/O=CERN/CN=?"'
`);
    const ca = '/C=CH/O=CERN/CN=CERN Root CA 2';
    assert.ok(policyAllows(p, ca, '/DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=doug/CN=612345/CN=Doug Fir'));
    assert.ok(policyAllows(p, ca, '/C=CH/O=CERN/CN=x'));
    assert.ok(!policyAllows(p, ca, '/C=CH/O=CERN/CN=xy'));
    assert.ok(!policyAllows(p, ca, '/DC=CH/DC=cern/CN=case matters'));
    assert.ok(!policyAllows(p, ca, '/DC=org/DC=other/CN=x'));
    assert.ok(policyAllows(p, '/CN=Unlisted CA', '/anything'));
  });

  it('reads unquoted CA names, several blocks and regex characters literally', () => {
    const p = parseSigningPolicy(`access_id_CA X509 /C=ca/O=subject
pos_rights globus CA:sign
cond_subjects globus '"/C=ca/O=subject/CN=a.b(c)+" "/C=ca/O=subject/CN=Gen\\xC3\\xA8ve*"'
access_id_CA X509 '/C=ca/O=second'
pos_rights globus CA:sign
cond_subjects globus "/C=ca/O=second/*"
access_id_CA X509 '/C=ca/O=no rights'
cond_subjects globus '"/*"'
`);
    assert.ok(policyAllows(p, '/C=ca/O=subject', '/C=ca/O=subject/CN=a.b(c)+'));
    assert.ok(!policyAllows(p, '/C=ca/O=subject', '/C=ca/O=subject/CN=aXb(c)+'));
    assert.ok(policyAllows(p, '/C=ca/O=subject', '/C=ca/O=subject/CN=Gen\\xC3\\xA8ve/CN=1'));
    assert.ok(policyAllows(p, '/C=ca/O=second', '/C=ca/O=second/CN=z'));
    assert.ok(!policyAllows(p, '/C=ca/O=no rights', '/C=ca/O=x'));
  });
});
