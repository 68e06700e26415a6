import { render } from 'preact';
import { takeToken } from '../lib/auth.ts';
import { html } from '../lib/html.ts';
import { App, TOKEN_KEY } from './app.ts';

const token = takeToken(TOKEN_KEY);
render(html`<${App} token=${token} />`, document.getElementById('app')!);
