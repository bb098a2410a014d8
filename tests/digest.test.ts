import { test } from "node:test";
import assert from "node:assert/strict";
import { digestResponse } from "../src/digest_response.ts";
import { hasHash, hexDigest, randomHex } from "../src/runtime/hash.ts";
import { parseChallenges } from "../src/www_authenticate.ts";

const RFC_EXAMPLE = {
  username: "Mufasa", password: "Circle of Life", realm: "http-auth@example.org", method: "GET", uri: "/dir/index.html",
  nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
  nc: "00000001", qop: "auth" as const, entity: "",
};

test("digest: the RFC 7616 section 3.9.1 responses, MD5 and SHA-256", async () => {
  assert.equal(await digestResponse({ ...RFC_EXAMPLE, algorithm: "MD5" }), "8ca523f5e9506fed4657c9700eebdbec");
  assert.equal(await digestResponse({ ...RFC_EXAMPLE, algorithm: "SHA-256" }), "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
  await assert.rejects(digestResponse({ ...RFC_EXAMPLE, algorithm: "SHA-1" }), TypeError);
});

test("digest: the runtime's hashes: SHA-512/256 and MD5 by name, an unknown name detected, not thrown", async () => {
  assert.equal(await hexDigest("sha512-256", "abc"), "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23");
  assert.equal(await hexDigest("md5", new Uint8Array([0x61, 0x62, 0x63])), "900150983cd24fb0d6963f7d28e17f72");
  assert.equal(await hasHash("sha512-256"), true);
  assert.equal(await hasHash("no-such-hash"), false);
  assert.match(await randomHex(16), /^[0-9a-f]{32}$/);
});

test("digest: WWW-Authenticate parsing: several challenges, quoted strings with escaped quotes and commas, token68", () => {
  const parsed = parseChallenges('Negotiate abc==, Basic realm="basic, fallback", DIGEST realm="a \\"b\\", c", nonce=n1,qop="auth,auth-int" , Realm="ignored"');
  assert.deepEqual(parsed.map((c) => [c.scheme, { ...c.params }, c.token68]), [
    ["negotiate", {}, "abc=="],
    ["basic", { realm: "basic, fallback" }, undefined],
    ["digest", { realm: 'a "b", c', nonce: "n1", qop: "auth,auth-int" }, undefined],
  ]);
  assert.deepEqual(parseChallenges(""), []);
  const [odd] = parseChallenges('Digest __proto__="x", realm=r');
  assert.equal(Object.getPrototypeOf(odd!.params), null);
  assert.deepEqual(Object.entries(odd!.params), [["__proto__", "x"], ["realm", "r"]]);
});
