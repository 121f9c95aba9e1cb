global using Chaperone.Identity;
