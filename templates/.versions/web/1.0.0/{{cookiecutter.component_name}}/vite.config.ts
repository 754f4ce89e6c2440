import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  base: {{ cookiecutter.parameters.basePath | json_str }},
  plugins: [react()],
  test: {
    environment: 'jsdom',
  },
});
