#!/usr/bin/env node
// Drives a whole server life through a DigitalOcean v2 API with an
// independent client from the npm registry (dots-wrapper, pinned by
// package-lock.json beside this file), the way a customer's own script
// would drive Webrana's /v2: the size found among the sizes, an SSH key
// added (and removed at the end), two droplets created with a tag and
// awaited until active, listed by the tag, one powered off (its action
// awaited), one deleted by id and the other by tag; an unknown id is 404
// and a bad token 401, in DigitalOcean's error shape. Every answer is
// checked; the first mismatch ends the run with exit status 1 and one line
// saying what differed.
//
//   DIGITALOCEAN_API_URL=http://127.0.0.1:8080/v2 DIGITALOCEAN_TOKEN=... \
//     node lifecycle.js --size s-1vcpu-1gb --region nyc3 --image ubuntu-24-04-x64
//
// dots-wrapper is found through NODE_PATH (scripts/doclient.sh installs it
// into a cache directory) or a node_modules folder beside this file.
'use strict';

const { generateKeyPairSync } = require('node:crypto');
const { parseArgs } = require('node:util');
const { createApiClient } = require('dots-wrapper');

const { values: opts } = parseArgs({
  options: {
    size: { type: 'string', default: 's-1vcpu-1gb' },
    region: { type: 'string', default: 'nyc3' },
    image: { type: 'string', default: 'ubuntu-24-04-x64' },
    timeout: { type: 'string', default: '120' }, // seconds for the whole run
    poll: { type: 'string', default: '100' }, // milliseconds between polls
  },
});

const endpoint = process.env.DIGITALOCEAN_API_URL;
const token = process.env.DIGITALOCEAN_TOKEN;
if (!endpoint || !token) {
  fail('setup', 'DIGITALOCEAN_API_URL and DIGITALOCEAN_TOKEN must be set');
}
const started = Date.now();
const deadline = started + Number(opts.timeout) * 1000;
const pollMs = Number(opts.poll);
const api = createApiClient({ endpoint, token, requestTimeoutInMs: 15000 });

class Mismatch extends Error {}

// step names the step running, for the failure line.
let step = 'start';

function fail(where, message) {
  console.error(`doclient: FAIL ${where}: ${message}`);
  process.exit(1);
}

function check(cond, message) {
  if (!cond) throw new Mismatch(message);
}

function log(where, message) {
  const s = ((Date.now() - started) / 1000).toFixed(2);
  console.log(`doclient: ${s}s ${where}: ${message}`);
}

// call awaits one request, checks its status and DigitalOcean's rate-limit
// headers, and returns the body. A refusal becomes a mismatch that names the
// status and the error body.
async function call(want, promise) {
  let res;
  try {
    res = await promise;
  } catch (err) {
    if (!err.response) throw new Mismatch(`request failed: ${err.message}`);
    res = err.response;
  }
  check(res.status === want, `HTTP ${res.status}, want ${want}: ${JSON.stringify(res.data)}`);
  for (const h of ['ratelimit-limit', 'ratelimit-remaining']) {
    check(/^\d+$/.test(String(res.headers[h] ?? '')), `header ${h} is ${JSON.stringify(res.headers[h])}, want a number`);
  }
  return res.data;
}

// until polls fn until it returns a value other than undefined, or fails
// with what the last poll saw when the run's deadline passes.
async function until(what, fn) {
  let last;
  for (;;) {
    const got = await fn((seen) => { last = seen; });
    if (got !== undefined) return got;
    check(Date.now() < deadline, `gave up waiting for ${what}; last seen: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

function checkDroplet(d, name, tag) {
  check(d && Number.isInteger(d.id) && d.id > 0, `droplet id ${JSON.stringify(d && d.id)}, want a positive integer`);
  check(d.name === name, `droplet ${d.id} is named ${JSON.stringify(d.name)}, want ${JSON.stringify(name)}`);
  check(Array.isArray(d.tags) && d.tags.includes(tag), `droplet ${d.id} has tags ${JSON.stringify(d.tags)}, want ${tag} among them`);
  check(d.size_slug === opts.size, `droplet ${d.id} has size_slug ${JSON.stringify(d.size_slug)}, want ${opts.size}`);
  check(d.region && d.region.slug === opts.region, `droplet ${d.id} is in ${JSON.stringify(d.region && d.region.slug)}, want ${opts.region}`);
}

async function awaitActive(id) {
  return until(`droplet ${id} to be active`, async (seen) => {
    const { droplet } = await call(200, api.droplet.getDroplet({ droplet_id: id }));
    seen(droplet.status);
    check(['new', 'active'].includes(droplet.status), `droplet ${id} is ${droplet.status} while starting, want new then active`);
    return droplet.status === 'active' ? droplet : undefined;
  });
}

async function awaitAction(id, type) {
  return until(`action ${id} to complete`, async (seen) => {
    const { action } = await call(200, api.action.getAction({ action_id: id }));
    seen(action.status);
    check(action.id === id && action.type === type, `action ${id} reads back as ${action.id} ${action.type}, want ${type}`);
    check(action.status !== 'errored', `action ${id} (${type}) errored`);
    return action.status === 'completed' ? action : undefined;
  });
}

async function awaitGone(id) {
  return until(`droplet ${id} to be gone`, async (seen) => {
    let res;
    try {
      res = await api.droplet.getDroplet({ droplet_id: id });
    } catch (err) {
      if (err.response && err.response.status === 404) return true;
      throw new Mismatch(`reading deleted droplet ${id}: ${err.response ? `HTTP ${err.response.status}` : err.message}`);
    }
    seen(res.data.droplet.status);
    return undefined;
  });
}

async function listTagged(tag) {
  const body = await call(200, api.droplet.listDroplets({ tag_name: tag, per_page: 200 }));
  check(Array.isArray(body.droplets), `list by tag has no droplets array: ${JSON.stringify(body)}`);
  check(body.meta && body.meta.total === body.droplets.length,
    `list by tag says meta.total ${JSON.stringify(body.meta)} for ${body.droplets.length} droplets`);
  for (const d of body.droplets) {
    check(d.tags.includes(tag), `listing by tag ${tag} returned droplet ${d.id} tagged ${JSON.stringify(d.tags)}`);
  }
  return body.droplets;
}

// newPublicKey is a fresh Ed25519 public key in OpenSSH's format: Webrana
// makes servers with SSH keys only (it never mails a root password).
function newPublicKey(comment) {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const field = (b) => { const n = Buffer.alloc(4); n.writeUInt32BE(b.length); return Buffer.concat([n, b]); };
  const blob = Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]);
  return `ssh-ed25519 ${blob.toString('base64')} doclient-${comment}`;
}

async function main() {
  const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const tag = `doclient-${run}`;
  const names = [`doclient-a-${run}`, `doclient-b-${run}`];
  step = 'account';
  const { account } = await call(200, api.account.getAccount());
  check(account && typeof account.email === 'string' && account.email.includes('@'), `account has no e-mail: ${JSON.stringify(account)}`);
  check(account.status === 'active', `account status ${JSON.stringify(account.status)}, want active`);
  log(step, `${account.email}, droplet_limit ${account.droplet_limit}`);

  step = 'sizes';
  const { sizes } = await call(200, api.size.listSizes({ per_page: 200 }));
  const size = (sizes || []).find((z) => z.slug === opts.size);
  check(size, `GET /v2/sizes lists no ${opts.size} among its ${(sizes || []).length} sizes`);
  check(size.available && size.regions.includes(opts.region), `size ${opts.size} is available ${size.available} in ${JSON.stringify(size.regions)}, want it in ${opts.region}`);
  check(size.price_monthly > 0 && size.vcpus > 0 && size.memory > 0, `size ${opts.size} reads ${JSON.stringify(size)}`);
  log(step, `${opts.size}: ${size.vcpus} vCPU, ${size.memory} MB, ${size.price_monthly}/month`);

  step = 'ssh key';
  const { ssh_key: key } = await call(201, api.sshKey.createSshKey({ name: `doclient-${run}`, public_key: newPublicKey(run) }));
  check(key && Number.isInteger(key.id) && /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/.test(key.fingerprint),
    `the new SSH key reads ${JSON.stringify(key)}, want an id and an MD5 fingerprint`);
  log(step, `${key.id} ${key.fingerprint}`);

  step = 'create';
  const created = await call(202, api.droplet.createDroplets({
    names, region: opts.region, size: opts.size, image: opts.image, tags: [tag], ssh_keys: [key.id],
  }));
  check(Array.isArray(created.droplets) && created.droplets.length === 2, `create answered ${JSON.stringify(created.droplets)}, want two droplets`);
  created.droplets.forEach((d, i) => checkDroplet(d, names[i], tag));
  check(['new', 'active'].includes(created.droplets[0].status), `a new droplet is ${created.droplets[0].status}`);
  // DigitalOcean links one create action per droplet (doctl's create --wait
  // waits on it); the spec does not require them, but those given must be
  // create actions, and they are awaited below as doctl awaits them.
  const actions = (created.links && created.links.actions) || [];
  check(actions.every((a) => a.rel === 'create' && Number.isInteger(a.id)) && [0, 2].includes(actions.length),
    `create's links.actions is ${JSON.stringify(actions)}, want none or one create action per droplet`);
  const [a, b] = created.droplets.map((d) => d.id);
  check(a !== b, `both droplets have id ${a}`);
  log(step, `droplets ${a} and ${b} tagged ${tag}`);

  step = 'wait active';
  for (const link of actions) await awaitAction(link.id, 'create');
  for (const id of [a, b]) {
    const d = await awaitActive(id);
    checkDroplet(d, names[id === a ? 0 : 1], tag);
    const v4 = (d.networks && d.networks.v4) || [];
    check(v4.some((n) => n.type === 'public' && n.ip_address), `active droplet ${id} has no public IPv4: ${JSON.stringify(d.networks)}`);
  }
  log(step, `both active with a public IPv4${actions.length ? ', their create actions completed' : ' (no create actions linked)'}`);

  step = 'list by tag';
  let listed = await listTagged(tag);
  check(listed.map((d) => d.id).sort().join() === [a, b].sort().join(), `by tag ${tag}: ${listed.map((d) => d.id)}, want ${a} and ${b}`);
  log(step, `${listed.length} droplets`);

  step = 'power off';
  const { action: off } = await call(201, api.droplet.powerOffDroplet({ droplet_id: a }));
  check(off && off.type === 'power_off' && Number.isInteger(off.id), `power_off answered ${JSON.stringify(off)}`);
  check(['in-progress', 'completed'].includes(off.status), `power_off action is ${off.status}`);
  await awaitAction(off.id, 'power_off');
  const { droplet: offDroplet } = await call(200, api.droplet.getDroplet({ droplet_id: a }));
  check(offDroplet.status === 'off', `droplet ${a} is ${offDroplet.status} after its power_off completed, want off`);
  const { actions: history } = await call(200, api.droplet.listDropletActions({ droplet_id: a }));
  check(history.some((x) => x.id === off.id && x.type === 'power_off'), `droplet ${a}'s actions ${JSON.stringify(history)} lack power_off ${off.id}`);
  log(step, `action ${off.id} completed, droplet ${a} off`);

  step = 'delete by id';
  await call(204, api.droplet.deleteDroplet({ droplet_id: a }));
  await awaitGone(a);
  listed = await listTagged(tag);
  check(listed.length === 1 && listed[0].id === b, `by tag after deleting ${a}: ${listed.map((d) => d.id)}, want only ${b}`);
  log(step, `${a} gone, ${b} still listed`);

  step = 'delete by tag';
  await call(204, api.droplet.deleteDropletsByTag({ tag_name: tag }));
  await awaitGone(b);
  listed = await listTagged(tag);
  check(listed.length === 0, `by tag after deleting by tag: ${listed.map((d) => d.id)}, want none`);
  log(step, `${b} gone, nothing tagged ${tag}`);

  step = 'errors';
  const missing = await call(404, api.droplet.getDroplet({ droplet_id: a }));
  check(missing.id === 'not_found' && typeof missing.message === 'string', `a deleted droplet answers ${JSON.stringify(missing)}, want DigitalOcean's not_found`);
  const stranger = createApiClient({ endpoint, token: 'not-a-valid-token', requestTimeoutInMs: 15000 });
  let refused;
  try {
    await stranger.account.getAccount();
  } catch (err) {
    refused = err.response;
  }
  check(refused && refused.status === 401, `a bad token answered ${refused ? refused.status : 'success'}, want 401`);
  check(refused.data && String(refused.data.id).toLowerCase() === 'unauthorized' && typeof refused.data.message === 'string',
    `a bad token's body is ${JSON.stringify(refused.data)}, want DigitalOcean's unauthorized`);
  log(step, 'unknown id 404 not_found, bad token 401 unauthorized');

  step = 'delete ssh key';
  await call(204, api.sshKey.destroySshKey({ ssh_key_id: key.id }));
  log(step, `${key.id}`);

  log('done', 'a whole server life');
}

main().then(() => process.exit(0), (err) => {
  if (err instanceof Mismatch) fail(step, err.message);
  fail(step, err && err.stack ? err.stack : String(err));
});
