// Projects.
import { openApiApp } from '../../define-route.ts';
import { listProjects } from './list.ts';
import { createProject } from './create.ts';
import { getProject } from './get.ts';
import { updateProject } from './update.ts';
import { deleteProject } from './delete.ts';

export const projectRoutes = openApiApp()
  .openapi(listProjects.route, listProjects.handler)
  .openapi(createProject.route, createProject.handler)
  .openapi(getProject.route, getProject.handler)
  .openapi(updateProject.route, updateProject.handler)
  .openapi(deleteProject.route, deleteProject.handler);
