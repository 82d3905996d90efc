import { describe, expect, it } from '@jest/globals';
import { stagingAddressOf } from '../../src/fastly/staging-address.js';

const DOMAINS = [
  { name: 'www.example.com', stagingIp: '167.82.81.194' },
  { name: '*.cdn.example.com', stagingIp: '167.82.81.195' },
  { name: 'v6.example.com', stagingIp: '2a04:4e42::194' },
  { name: 'named.example.com', stagingIp: 'staging.example.net' },
  { name: 'none.example.com', stagingIp: undefined }
];

describe('the staging IP of a host', () => {
  it.each([
    ['www.example.com', '167.82.81.194'],
    ['WWW.Example.com', '167.82.81.194'],
    ['www.example.com.', '167.82.81.194'],
    ['img.cdn.example.com', '167.82.81.195'],
    ['a.b.cdn.example.com', undefined],
    ['cdn.example.com', undefined],
    ['v6.example.com', '2a04:4e42::194'],
    ['named.example.com', undefined],
    ['none.example.com', undefined],
    ['example.com', undefined]
  ])('%s → %s', (host, address) => {
    expect(stagingAddressOf(DOMAINS, host)).toBe(address);
  });

  it('prefers the exact domain over a wildcard that also covers it', () => {
    const domains = [{ name: '*.example.com', stagingIp: '192.0.2.1' }, { name: 'www.example.com', stagingIp: '192.0.2.2' }];
    expect(stagingAddressOf(domains, 'www.example.com')).toBe('192.0.2.2');
  });
});
