// Types of console-openapi.mjs, for the test that checks the generated docs are current.
export declare function consoleApiMarkdown(): string;
export declare const consoleOpenApiJson: () => string;
