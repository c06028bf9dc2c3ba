import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { z } from 'zod';
import { App } from './App';
import { takeServeToken } from './serve-token';
import './styles.css';

// The CSP forbids eval: keep zod from compiling validators with new Function().
z.config({ jitless: true });

// Served by `parley serve`: take the token out of the address bar before anything else runs.
if (!window.parley && location.protocol.startsWith('http')) takeServeToken();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
