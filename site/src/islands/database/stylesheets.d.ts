// Stylesheets imported for their side effect (Vite bundles them with the page); they export nothing.
declare module '*.css';
