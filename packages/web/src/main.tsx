/** Entry point: the styles and the app, mounted into index.html's #app. */
import { render } from 'preact';
import { prefetch } from './api.js';
import { App } from './app.js';
import { FIRST_PAGE } from './pages/images-page.js';
import './styles.css';

if ((location.pathname === '/' || location.pathname === '/images') && location.search === '') prefetch(FIRST_PAGE);

render(<App />, document.getElementById('app')!);
