/**
 * @module undici's dispatchers, each required from its own file. undici's index also loads
 * fetch, WebSocket, cookies, the cache and the interceptors, none of which the proxy uses: the
 * daemon's start took about 15 % less CPU without them (npm run bench, scenario 6).
 */

import api from 'undici/lib/api/index.js';
import Agent from 'undici/lib/dispatcher/agent.js';
import Client from 'undici/lib/dispatcher/client.js';
import DispatcherBase from 'undici/lib/dispatcher/dispatcher.js';
import Pool from 'undici/lib/dispatcher/pool.js';
import ProxyAgent from 'undici/lib/dispatcher/proxy-agent.js';
import buildConnector from 'undici/lib/core/connect.js';

// What undici's index does on load: every dispatcher gets request(), stream(), pipeline(), …
Object.assign(DispatcherBase.prototype, api);

export type { Dispatcher } from 'undici';
export { Agent, buildConnector, Client, Pool, ProxyAgent };
