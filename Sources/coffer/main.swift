import CofferCommands

CofferCommand.runMain()
