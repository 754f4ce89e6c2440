import ReactTestRenderer from 'react-test-renderer';
import { APP_DESCRIPTION, HomeScreen } from '../HomeScreen';

test('shows the application name and description', async () => {
  let renderer: ReactTestRenderer.ReactTestRenderer | undefined;
  await ReactTestRenderer.act(() => {
    renderer = ReactTestRenderer.create(<HomeScreen />);
  });

  const root = renderer!.root;
  expect(root.findByProps({ testID: 'title' }).props.children).toBe({{ cookiecutter.component_name | json_str }});
  expect(root.findByProps({ testID: 'description' }).props.children).toBe(APP_DESCRIPTION);
});
