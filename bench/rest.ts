import { clientSecret } from '../src/accounts/secret.ts';
import { HttpsClient } from '../test/support/client.ts';
import { USER_PASSWORD } from './seed.ts';
import { type LoadOptions, type Measure, measure, startChild } from './support.ts';

const CLIENT_ID = 'bench-client';

/**
 * The real server over a database seeded by seedUsers: (2) the signed-in user's own profile, (3) one page of 50 from
 * a filtered directory search (`user1` matches 112 of the 1000 seeded users). One server process for both.
 */
export async function measureConvene(label: string, env: Record<string, string>, load: LoadOptions, nodeArgs: string[]): Promise<Measure[]> {
  const child = await startChild('convene', env, nodeArgs, `convene ${label}`);
  try {
    const client = new HttpsClient(child.url);
    const signIn = await client.call('POST', '/api/v1/user/sign_in', {
      query: { client_id: CLIENT_ID },
      body: { username: 'user1', secret: clientSecret(USER_PASSWORD) },
    });
    if (signIn.status !== 200) throw new Error(`sign-in failed: ${signIn.status} ${signIn.text}`);
    const auth = `client_id=${CLIENT_ID}&token=${encodeURIComponent(signIn.body.user_token as string)}`;
    const info = `/api/v1/user/info?${auth}`;
    const search = `/api/v1/user/public/users?${auth}&page_num=1&page_size=50&filter=user1`;
    // What is measured are the real answers: the profile, and a full page out of 112 matches.
    const me = await client.call('GET', info);
    const page = await client.call('GET', search);
    client.close();
    if (me.status !== 200 || me.body.username !== 'user1') throw new Error(`unexpected profile: ${me.status} ${me.text.slice(0, 200)}`);
    if (page.status !== 200 || page.body.users.length !== 50 || page.body.total_size !== 112) {
      throw new Error(`unexpected directory page: ${page.status} ${page.text.slice(0, 200)}`);
    }
    return [
      await measure(`${label} user/info`, child, info, load),
      await measure(`${label} public/users`, child, search, load),
    ];
  } finally {
    await child.stop();
  }
}

/** (1) The baseline: `GET /hello` on the bare Fastify app, started the same way. */
export async function measureBare(env: Record<string, string>, load: LoadOptions, nodeArgs: string[]): Promise<Measure[]> {
  const child = await startChild('bare', env, nodeArgs);
  try {
    return [await measure('bare /hello', child, '/hello', load)];
  } finally {
    await child.stop();
  }
}
