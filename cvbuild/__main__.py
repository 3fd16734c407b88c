from cvbuild.cli import main

main()
