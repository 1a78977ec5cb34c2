#!/usr/bin/env node
'use strict';
// The npm-installed command: runs the bundle that `npm ci` / `npm install` built (prepare).
require('../dist/gemini-proxy.cjs');
