export const APP_NAME = {{ cookiecutter.component_name | json_str }};
export const APP_DESCRIPTION = {{ cookiecutter.description | json_str }};

export function HomePage() {
  return (
    <main>
      <h1>{APP_NAME}</h1>
      <p>{APP_DESCRIPTION}</p>
    </main>
  );
}
