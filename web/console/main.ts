import { render } from 'preact';
import { takeToken } from '../lib/auth.ts';
import { html } from '../lib/html.ts';
import { ConsoleApp, TOKEN_KEY } from './app.ts';

const token = takeToken(TOKEN_KEY);
render(html`<${ConsoleApp} token=${token} />`, document.getElementById('app')!);
