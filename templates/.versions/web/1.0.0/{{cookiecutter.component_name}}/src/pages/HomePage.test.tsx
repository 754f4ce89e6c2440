import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { APP_DESCRIPTION, HomePage } from './HomePage';

afterEach(cleanup);

describe('HomePage', () => {
  it('shows the application name as the page heading', () => {
    render(<HomePage />);

    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe({{ cookiecutter.component_name | json_str }});
  });

  it('shows the description as text, never as markup', () => {
    const { container } = render(<HomePage />);

    expect(container.querySelector('p')?.textContent).toBe(APP_DESCRIPTION);
  });
});
