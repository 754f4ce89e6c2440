import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { HomePage } from './pages/HomePage';

const container = document.getElementById('root');
if (container === null) {
  throw new Error('the page has no #root element');
}

createRoot(container).render(
  <StrictMode>
    <HomePage />
  </StrictMode>,
);
